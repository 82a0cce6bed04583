"""The framework's floor for bench.first_view: a bare Streamlit page with a title and one small chart.

Served with the app's own config; nothing of the app is imported. What a page of the app takes
beyond this is the app's own doing.
"""

import altair as alt
import pandas as pd
import streamlit as st

st.title("Floor")
data = pd.DataFrame({"x": [0, 1, 2, 3], "y": [0, 1, 4, 9]})
spec = alt.Chart(data).mark_line().encode(x=alt.X("x:Q"), y=alt.Y("y:Q")).to_dict()
st.vega_lite_chart(spec, width="stretch")
