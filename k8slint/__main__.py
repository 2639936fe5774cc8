from k8slint.cli import run

run()
