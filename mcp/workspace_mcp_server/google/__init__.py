"""Google API access: settings, per-request credentials, one service object per API, error mapping."""
