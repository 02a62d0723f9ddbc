from needleplan.cli import main

main()
