"""python -m neuralsolve"""

from .cli import main

main()
