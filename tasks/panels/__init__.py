"""Progression panels: schedule, nominate, evidence, lock, packs, decide, follow up, place."""
