"""X's enterprise APIs: post and media analytics on ``/2/`` and the Engagement API."""
