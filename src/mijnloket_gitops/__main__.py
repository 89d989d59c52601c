from mijnloket_gitops.cli.main import main

main()
