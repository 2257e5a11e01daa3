from marenew.cli import main

main()
