"""Running the service on one machine: the template's resources on an emulator (moto or
dynalite), an SQS event-source poller and an HTTP API adapter. Used by `make run` and the tests."""
