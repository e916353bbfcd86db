"""The rating app: a web app that runs a human-evaluation campaign end to end (a layer on top of the
suite, an optional extra: `pip install 'hyvideo-eval[app]'`; nothing else imports it).

campaign.py makes a campaign from an eval run's videos (design.py: who rates what); app.py serves it
(pages.py: the HTML); monitor.py computes what the admin page shows; export.py writes the judgements in
the human layer's formats (evalsuite/human/); store.py is the database.
"""
