"""Facts about AWS that several components check against (not design numbers: those are in
scaling_kit/limits.py)."""

# CloudWatch Logs accepts only these retention periods, in days (PutRetentionPolicy).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)
