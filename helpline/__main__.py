from helpline.cli import main

main()
