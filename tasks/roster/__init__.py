"""The roster: import the roster CSV, and note the training gaps that promotions leave."""
