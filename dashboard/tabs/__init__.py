"""One module per dashboard tab; each exposes a `TabView` subclass."""
