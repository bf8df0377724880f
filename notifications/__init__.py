"""How people are TOLD: templates, message building, SMTP transport via yagmail, a local sink."""
