"""web: create_app(settings) — FastAPI routers, auth, the lifespan that owns shared resources."""
