"""Streamlit-side plumbing shared by the pages: language, URL state, controls, sidebar, playback, charts."""
