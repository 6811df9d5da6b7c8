"""TikTok Retrieval Lab: the retrieval core (no Streamlit, no printing)."""
