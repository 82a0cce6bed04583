"""Streamlit-side helpers shared by the pages: language, URL state, sidebar, playback, error guard."""
