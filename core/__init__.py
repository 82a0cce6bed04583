"""Models, data and training routines of the playground; importable without Streamlit."""
