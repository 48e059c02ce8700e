from pmo.cli import main

raise SystemExit(main())
