"""`python -m pipeline.collect`: a corpus from TikTok links or a user's own TikTok data export,
fetched with yt-dlp (:mod:`.export` reads the inputs, :mod:`.fetch` runs yt-dlp,
:mod:`.record` maps its info dict to a batch record; the CLI is ``__main__``)."""
