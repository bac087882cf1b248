"""Agency gateway (部门数据接口): agency warnings, durably queued for Kafka via an outbox."""
