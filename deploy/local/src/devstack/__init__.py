"""The local mobilise stack: installs and runs Kafka, FerretDB, Redis and the services on
loopback."""
