"""One router per resource family; `api/app.py` mounts them."""
