"""The clients of the external systems other than MongoDB (Kafka, Redis, Celery, SendGrid, the other
services): one module per system. MongoDB's is repository/."""
