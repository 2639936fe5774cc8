from k8slint.cli import main

main()
