"""`make bench`: the read path measured against the floor of the AWS SDK."""
