"""The Analyse page: choose clips, check the capture, pick the mode, analyse, see the results.

A runner's whole loop: upload a warm-up or a few strides, read the cues,
step to the frames they point at, download the report, keep it in the library.
"""

from __future__ import annotations

import streamlit as st

from formcheck.errors import FormCheckError
from formcheck.ui import jobs_view
from formcheck.ui.clip_input import ChosenClip, choose_clips
from formcheck.ui.state import job_runner, pose_pool, results_root
from formcheck.ui.tasks import AnalysisRequest, analyse_clip, check_clip

MODE_LABELS = {"auto": "Automatic", "exercise": "Warm-up exercise", "running": "Running"}
VIEW_HELP = "Where the phone stood, relative to the athlete. Automatic reads it from the body."


def page() -> None:
    st.title("FormCheck")
    st.caption("Hip–knee alignment from a phone video: glute activation exercises and running strides.")
    clips = choose_clips("analyse", multiple=True)
    if not clips:
        st.info("Choose a sample clip, upload your own, or open one from the library.")
        return
    clip = clips[0] if len(clips) == 1 else st.selectbox(
        "Clip to show", clips, format_func=lambda c: c.name, key="analyse-shown")
    request = _choose_request(clip)
    if request is None:
        return
    if st.session_state.pop("analyse-chosen", False):  # the user settled an unsure clip: analyse it so
        submit_analysis(request, clip)
    with st.expander("Capture check", expanded=False):
        show_capture_check(clip, request.model, request.mode)
    go, all_go = st.columns([1, 3])
    if go.button("Analyse", type="primary", key="analyse-go"):
        submit_analysis(request, clip)
    if len(clips) > 1 and all_go.button(f"Analyse all {len(clips)} clips", key="analyse-all"):
        for other in clips:
            submit_analysis(_same_choices(request, other), other)
    if request.key in st.session_state.get("requested", set()):
        result = jobs_view.wait_for(request.key)
        if result is not None:
            show_result(result, clip)


def _choose_request(clip: ChosenClip) -> AnalysisRequest | None:
    from formcheck.exercises.catalog import EXERCISES, VIEWS

    st.sidebar.header("Settings")
    model = model_choice()
    mode = st.radio("What is in the clip", list(MODE_LABELS), format_func=MODE_LABELS.get, horizontal=True,
                    key="analyse-mode", help="Automatic tells running or walking from an exercise by the steps.")
    exercise = exercise_view = running_view = context = "auto"
    cols = st.columns(2)
    if mode in ("auto", "exercise"):
        names = ["auto", *EXERCISES]
        exercise = cols[0].selectbox("Exercise", names, key="analyse-exercise",
                                     format_func=lambda n: "Recognise it" if n == "auto" else EXERCISES[n].title)
        exercise_view = cols[1].selectbox("Camera view", ["auto", *VIEWS], key="analyse-exview", help=VIEW_HELP,
                                          format_func=lambda v: "Automatic" if v == "auto" else v.replace("_", " "))
    if mode == "running":
        running_view = cols[0].selectbox("Camera view", ["auto", "side", "rear", "front"], key="analyse-runview",
                                         help=VIEW_HELP, format_func=lambda v: "Automatic" if v == "auto" else v)
        context = cols[1].selectbox("Where", ["auto", "treadmill", "overground"], key="analyse-context",
                                    format_func=lambda v: "Automatic" if v == "auto" else v)
    athlete = st.session_state.get(("athlete", clip.sha256))
    # Set in the capture check (show_capture_check); 0 = as the file says.
    capture_fps = float(st.session_state.get(_capture_key(clip), 0.0) or 0.0) or None
    return AnalysisRequest(str(clip.path), clip.sha256, mode, model, exercise, exercise_view, running_view,
                           context, athlete, capture_fps)


def _capture_key(clip: ChosenClip) -> str:
    return f"capture-fps-{clip.sha256}"


MODEL_LABELS = {None: "Best installed", "full": "full", "heavy": "heavy (more accurate, ~2.5x slower)"}


def model_choice() -> str | None:
    """The pose model: None = FORMCHECK_MODEL if set, else the best one installed."""
    return st.sidebar.selectbox("Pose model", list(MODEL_LABELS), format_func=MODEL_LABELS.get, key="model")


def _same_choices(request: AnalysisRequest, clip: ChosenClip) -> AnalysisRequest:
    from dataclasses import replace

    return replace(request, clip=str(clip.path), clip_sha256=clip.sha256,
                   athlete_index=st.session_state.get(("athlete", clip.sha256)))


def submit_analysis(request: AnalysisRequest, clip: ChosenClip) -> bool:
    """Queue the analysis; False (with the reason on the page) when it cannot start."""
    try:
        pool = pose_pool(request.model)
    except FormCheckError as exc:  # no model installed, most likely
        st.error(str(exc))
        return False
    root = results_root()
    job_runner().submit(request.key, clip.name, lambda job: analyse_clip(request, job, root, pool), retry=True)
    st.session_state.setdefault("requested", set()).add(request.key)
    return True


def show_capture_check(clip: ChosenClip, model: str | None, mode: str = "auto") -> None:
    """Metadata and a quick look at a few frames, with re-shoot advice for what the user asked
    (timing advice for running is left out when the clip is an exercise)."""
    from formcheck.capture import RUNNING_ONLY

    key = f"capture-{clip.sha256}-{model}"
    job_runner().submit(key, clip.name, lambda job: check_clip(str(clip.path), model))
    result = jobs_view.wait_for(key, what="Checking the capture")
    if result is None:
        return
    video, capture = result["video"], result["capture"]
    fps = video["capture_fps"] or video["fps"]
    slow = f" (slow motion, plays at {video['fps']:.0f})" if video["capture_fps"] and video["time_scale"] != 1 else ""
    cols = st.columns(5)
    cols[0].metric("View", f"{capture['view']}", help=f"facing {capture['facing']}, confidence "
                   f"{capture['view_confidence']:.2f}")
    cols[1].metric("Subject size", f"{capture['subject_height_fraction']:.0%}", help="of the frame height")
    cols[2].metric("People", f"{capture['people_count']}")
    cols[3].metric("Frame rate", f"{fps:.0f}/s{slow}")
    cols[4].metric("Duration", f"{video['duration_s']:.1f} s")
    st.caption(f"{video['width']}x{video['height']} · {video['codec']} · rotation {video['rotation_deg']}° · "
               f"{video['frame_count']} frames{' · variable frame rate' if video['variable_frame_rate'] else ''} · "
               f"checked {capture['frames_with_person']} of {capture['frames_sampled']} sampled frames")
    st.number_input("Slow motion? Frames per second it was captured at (0: as the file says)",
                    min_value=0.0, max_value=1000.0, step=1.0, format="%.0f", key=_capture_key(clip),
                    help="A phone's slow motion is captured at 120 or 240 frames/s and plays at 30. Web clips "
                         "often lose that in re-encoding: without it, FormCheck says the clip looks slowed "
                         "down and leaves cadence and contact times out.")
    warnings = [w for w in capture["warnings"] if not (mode == "exercise" and w.startswith(RUNNING_ONLY))]
    for warning in warnings:
        st.warning(warning)
    if not warnings:
        st.success("The capture looks fine for an analysis.")


def show_result(result, clip: ChosenClip) -> None:
    from formcheck.ui.library_save import save_form
    from formcheck.ui.results_view import show_results

    _athlete_choice(result, clip)
    show_results(result, key=f"res-{result.request.key[:12]}", name=clip.name, choose=choose_analysis)
    save_form(result, clip)


def choose_analysis(analysis: str, exercise: str) -> None:
    """What the user says an unsure clip is (a button's callback): set the page's own choices
    (mode, exercise) and analyse with them on this run, as if chosen and sent with Analyse."""
    st.session_state["analyse-mode"] = analysis  # "running" or "exercise", as MODE_LABELS
    if analysis == "exercise":
        st.session_state["analyse-exercise"] = exercise
    st.session_state["analyse-chosen"] = True


def _athlete_choice(result, clip: ChosenClip) -> None:
    """When several people were seen: show them numbered and let the user pick the athlete."""
    from formcheck.render.people_overview import busiest_row, people_overview
    from formcheck.video import read_frame

    pose = result.analysis.pose
    people = pose.people
    if len(people) < 2:
        return
    # The athlete of an edited clip is joined from each shot's person: it carries the id of one.
    chosen = next((k for k, p in enumerate(people) if p.person_id == pose.athlete.person_id), 0)
    with st.expander(f"{len(people)} people in the clip: person {chosen + 1} is analysed", expanded=False):
        tracks = [p.track for p in people]
        row = busiest_row(tracks)
        frame = read_frame(pose.info, int(tracks[0].frame_index[row]))
        st.image(people_overview(frame.image, tracks, row, chosen)[..., ::-1], width=480)
        options = list(range(len(people)))
        pick = st.radio("Analyse person", options, index=chosen, horizontal=True, key=f"athlete-{clip.sha256}",
                        format_func=lambda k: f"{k + 1} ({people[k].presence:.0%} of frames)")
        if pick != chosen:
            from dataclasses import replace

            st.session_state[("athlete", clip.sha256)] = pick
            submit_analysis(replace(result.request, athlete_index=pick), clip)
            st.rerun()
