def load_pending(day):
    return {"loaded": 0}
