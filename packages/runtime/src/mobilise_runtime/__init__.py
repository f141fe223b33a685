"""What every mobilise process shares: settings, logs, metrics, health checks, Kafka and Mongo."""
