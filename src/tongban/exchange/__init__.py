"""Data sharing and exchange (数据共享交换平台): the resource catalog (信息资源目录) of what
departments hold, grants to consumer departments, the exchange API with its signed receipts,
subscriptions, data quality, and prefill of applications from what the government already holds."""
