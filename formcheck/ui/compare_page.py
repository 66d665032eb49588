"""The Compare page: two clips of one athlete side by side (treadmill versus outdoor, before
versus after), aligned stride by stride or rep by rep, and the differences above the noise."""

from __future__ import annotations

import streamlit as st

from formcheck.ui import jobs_view
from formcheck.ui.analyse_page import model_choice, submit_analysis
from formcheck.ui.clip_input import choose_clips
from formcheck.ui.tasks import AnalysisRequest

KINDS = {"running": "Running (e.g. treadmill versus outdoor)", "exercise": "Warm-up exercise (before versus after)"}
SIDES = (("a", "A", "treadmill / before"), ("b", "B", "outdoor / after"))


def page() -> None:
    st.title("Compare two clips")
    st.caption("The same athlete filmed twice. FormCheck reports a difference only when it is larger than "
               "both the stride-to-stride (or rep-to-rep) variation and the method's measurement noise.")
    kind = st.radio("What to compare", list(KINDS), format_func=KINDS.get, horizontal=True, key="cmp-kind")
    model = model_choice()
    chosen = {}
    for col, (key, letter, hint) in zip(st.columns(2), SIDES):
        with col:
            st.markdown(f"**Clip {letter}** ({hint})")
            clips = choose_clips(f"cmp-{key}", label=f"Clip {letter}", multiple=False)
            label = st.text_input(f"Name for clip {letter}", value=clips[0].name if clips else "",
                                  key=f"cmp-{key}-label-{clips[0].sha256[:12] if clips else ''}")
            if clips:
                chosen[key] = (clips[0], label or letter)
    if len(chosen) < 2:
        st.info("Choose both clips.")
        return
    requests = {k: AnalysisRequest(str(c.path), c.sha256, kind, model) for k, (c, _) in chosen.items()}
    pair = (requests["a"].key, requests["b"].key)
    if st.button("Compare", type="primary", key="cmp-go"):
        for k, request in requests.items():
            submit_analysis(request, chosen[k][0])
        st.session_state["cmp-pair"] = pair
    if st.session_state.get("cmp-pair") != pair:
        return
    results = {k: jobs_view.wait_for(r.key) for k, r in requests.items()}
    if any(r is None for r in results.values()):
        return
    show_comparison(results["a"], results["b"], chosen["a"][1], chosen["b"][1])


def show_comparison(a, b, a_label: str, b_label: str) -> None:
    """The difference table, then the two clips side by side, aligned."""
    from formcheck.ui.compare_view import aligned_frames, difference_rows
    from formcheck.ui.tasks import compare_results

    try:
        comparison = compare_results(a, b, a_label, b_label)
    except ValueError as exc:
        st.error(f"These two analyses cannot be compared: {exc}")
        return
    for warning in comparison.warnings:
        st.warning(warning)
    different = difference_rows(comparison, only_different=True)
    st.subheader("Differences larger than the noise")
    compared = [m for m in comparison.metrics if m.verdict != "not comparable"]
    if different:
        st.dataframe(different, hide_index=True, width="stretch")
    elif compared:
        st.success(f"None of the {len(compared)} metrics compared differs by more than the measurement noise.")
    else:
        reasons = sorted({m.note for m in comparison.metrics if m.note})
        st.warning("No metric could be compared" + (": " + "; ".join(reasons[:3]) if reasons else "") + ".")
    with st.expander("Every metric compared, with the reason when there is no verdict"):
        st.dataframe(difference_rows(comparison, only_different=False), hide_index=True, width="stretch")
    st.subheader("Side by side")
    aligned_frames(a, b, a_label, b_label)
