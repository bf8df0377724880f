"""The ASYE year's use cases: enrol NQSWs, record reviews, decisions, leave and meetings."""
