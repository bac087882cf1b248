"""Shouwang county console (守望 · 县级工作台)."""
