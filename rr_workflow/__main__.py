from rr_workflow.cli.app import main

main()
