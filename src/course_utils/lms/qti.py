"""IMS QTI 1.2 zip as Canvas (Classic and New Quizzes) and Blackboard import it.

Layout (the one Canvas exports and reads): ``imsmanifest.xml``, and per chapter a folder
``<ident>/`` with the assessment ``<ident>.xml`` and Canvas's ``assessment_meta.xml``.

Type mapping (Canvas ``question_type``):

- single -> ``multiple_choice_question``; multiple -> ``multiple_answers_question`` (every
  correct option and no wrong one for full marks; Canvas applies its own partial credit);
- numeric -> ``numerical_question``, one accepted range per interval (the answer ± tolerance,
  and for percentage questions the same value as a number of percent);
- text -> ``short_answer_question`` with every accepted answer; feedback on anticipated wrong
  answers goes into the incorrect-answer feedback, because a listed answer would count as right;
- ordering -> ``matching_question``: each item is matched to its position (QTI 1.2 as Canvas
  reads it has no ordering type).

Identifiers derive from the question ids and option positions only, so an unchanged question
always gets the same identifiers.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

from course_utils.lms.collect import Chapter
from course_utils.lms.content import (
    feedback,
    number,
    numeric_answers,
    ordering_shown,
    position_label,
    prompt_html,
    to_html,
    to_plain,
)

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
QTI_XSD = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ZIP_DATE = (2020, 1, 1, 0, 0, 0)

QUESTION_TYPES = {"single": "multiple_choice_question", "multiple": "multiple_answers_question",
                  "numeric": "numerical_question", "text": "short_answer_question",
                  "ordering": "matching_question"}


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _material(parent: ET.Element, html_text: str, texttype: str = "text/html") -> ET.Element:
    material = _sub(parent, "material")
    _sub(material, "mattext", html_text, texttype=texttype)
    return material


def _metadata(item: ET.Element, fields: dict[str, str]) -> None:
    meta = _sub(_sub(item, "itemmetadata"), "qtimetadata")
    for label, entry in fields.items():
        field = _sub(meta, "qtimetadatafield")
        _sub(field, "fieldlabel", label)
        _sub(field, "fieldentry", entry)


def _condition(resprocessing: ET.Element, *, score: str | None = None, feedback_id: str | None = None,
               cont: bool = False, action: str = "Set") -> tuple[ET.Element, ET.Element]:
    cond = _sub(resprocessing, "respcondition", **{"continue": "Yes" if cont else "No"})
    var = _sub(cond, "conditionvar")
    if score is not None:
        _sub(cond, "setvar", score, action=action, varname="SCORE")
    if feedback_id:
        _sub(cond, "displayfeedback", feedbacktype="Response", linkrefid=feedback_id)
    return cond, var


def _start_resprocessing(item: ET.Element, general: bool) -> ET.Element:
    resprocessing = _sub(item, "resprocessing")
    _sub(_sub(resprocessing, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE",
         vartype="Decimal")
    if general:
        _, var = _condition(resprocessing, feedback_id="general_fb", cont=True)
        _sub(var, "other")
    return resprocessing


def _incorrect_text(spec: dict[str, Any]) -> str:
    """The incorrect-answer feedback, with what the LMS cannot tell apart by itself."""
    parts = [feedback(spec, "incorrect")] if feedback(spec, "incorrect") else []
    if spec["type"] == "numeric":
        for side, label in (("too_low", "If your answer was too low"),
                            ("too_high", "If your answer was too high")):
            if feedback(spec, side):
                parts.append(f"{label}: {feedback(spec, side)}")
    if spec["type"] == "text":
        for wrong in spec.get("wrong_answers", []):
            parts.append(f"If you answered “{to_html(wrong['answer'])}”: {to_html(wrong['feedback'])}")
    return "<br/>".join(parts)


def item_element(spec: dict[str, Any]) -> ET.Element:
    """One ``<item>`` for a validated spec."""
    qid, qtype = spec["id"], spec["type"]
    item = ET.Element("item", {"ident": qid, "title": qid})
    option_ids = [f"{qid}-o{i}" for i in range(len(spec.get("options", [])))]
    original = ",".join(option_ids) if option_ids else f"{qid}-answer"
    _metadata(item, {"question_type": QUESTION_TYPES[qtype], "points_possible": "1.0",
                     "original_answer_ids": original,
                     "assessment_question_identifierref": f"{qid}-ref"})
    presentation = _sub(item, "presentation")
    _material(presentation, prompt_html(spec))
    general = bool(spec.get("explanation"))
    feedbacks: dict[str, str] = {}
    if general:
        feedbacks["general_fb"] = to_html(spec["explanation"])
    if feedback(spec, "correct"):
        feedbacks["correct_fb"] = feedback(spec, "correct")
    if _incorrect_text(spec):
        feedbacks["general_incorrect_fb"] = _incorrect_text(spec)
    correct_fb = "correct_fb" if "correct_fb" in feedbacks else None

    if qtype in ("single", "multiple"):
        lid = _sub(presentation, "response_lid", ident="response1",
                   rcardinality="Single" if qtype == "single" else "Multiple")
        choice = _sub(lid, "render_choice")
        for oid, option in zip(option_ids, spec["options"], strict=True):
            _material(_sub(choice, "response_label", ident=oid), to_html(option["text"]))
        resprocessing = _start_resprocessing(item, general)
        for oid, option in zip(option_ids, spec["options"], strict=True):
            if option.get("feedback"):
                feedbacks[f"{oid}_fb"] = to_html(option["feedback"])
                _, var = _condition(resprocessing, feedback_id=f"{oid}_fb", cont=True)
                _sub(var, "varequal", oid, respident="response1")
        _, var = _condition(resprocessing, score="100", feedback_id=correct_fb)
        if qtype == "single":
            right = next(o for o, opt in zip(option_ids, spec["options"], strict=True) if opt.get("correct"))
            _sub(var, "varequal", right, respident="response1")
        else:
            both = _sub(var, "and")
            for oid, option in zip(option_ids, spec["options"], strict=True):
                target = both if option.get("correct") else _sub(both, "not")
                _sub(target, "varequal", oid, respident="response1")
    elif qtype in ("numeric", "text"):
        response = _sub(presentation, "response_str", ident="response1", rcardinality="Single")
        fib = _sub(response, "render_fib", **({"fibtype": "Decimal"} if qtype == "numeric" else {}))
        _sub(fib, "response_label", ident="answer1", **({} if qtype == "numeric" else {"rshuffle": "No"}))
        resprocessing = _start_resprocessing(item, general)
        if qtype == "numeric":
            for answer in numeric_answers(spec):
                _, var = _condition(resprocessing, score="100", feedback_id=correct_fb)
                _sub(var, "vargte", number(answer.low), respident="response1")
                _sub(var, "varlte", number(answer.high), respident="response1")
        else:
            _, var = _condition(resprocessing, score="100", feedback_id=correct_fb)
            for accepted in spec["answers"]:
                _sub(var, "varequal", accepted, respident="response1")
    else:  # ordering -> matching
        n = len(spec["items"])
        labels = [f"{qid}-p{p + 1}" for p in range(n)]
        for index in ordering_shown(spec):
            lid = _sub(presentation, "response_lid", ident=f"response_{qid}-i{index}")
            _material(lid, to_plain(spec["items"][index]), texttype="text/plain")
            choice = _sub(lid, "render_choice")
            for position, label in enumerate(labels, start=1):
                _material(_sub(choice, "response_label", ident=label), position_label(position),
                          texttype="text/plain")
        resprocessing = _start_resprocessing(item, general)
        share = number(100 / n)
        for index in range(n):
            _, var = _condition(resprocessing, score=share, action="Add")
            _sub(var, "varequal", labels[index], respident=f"response_{qid}-i{index}")
    if "general_incorrect_fb" in feedbacks:
        _, var = _condition(resprocessing, feedback_id="general_incorrect_fb", cont=True)
        _sub(var, "other")
    for ident, text in feedbacks.items():
        flow = _sub(_sub(item, "itemfeedback", ident=ident), "flow_mat")
        _material(flow, text)
    return item


def assessment_xml(chapter: Chapter, ident: str) -> ET.Element:
    """The ``<questestinterop>`` document of one chapter."""
    root = ET.Element("questestinterop", {"xmlns": QTI_NS, "xmlns:xsi": XSI_NS,
                                          "xsi:schemaLocation": f"{QTI_NS} {QTI_XSD}"})
    assessment = _sub(root, "assessment", ident=ident, title=chapter.title)
    meta = _sub(assessment, "qtimetadata")
    field = _sub(meta, "qtimetadatafield")
    _sub(field, "fieldlabel", "cc_maxattempts")
    _sub(field, "fieldentry", "unlimited")
    section = _sub(assessment, "section", ident="root_section")
    for spec in chapter.questions:
        section.append(item_element(spec))
    return root


def assessment_meta_xml(chapter: Chapter, ident: str) -> ET.Element:
    """Canvas's quiz settings for one chapter: an ungraded practice quiz, answers shown."""
    root = ET.Element("quiz", {"identifier": ident, "xmlns": CANVAS_NS})
    _sub(root, "title", chapter.title)
    _sub(root, "description", f"<p>Self-check questions of {to_plain(chapter.title)}.</p>")
    for tag, value in (("shuffle_answers", "false"), ("scoring_policy", "keep_highest"),
                       ("hide_results", ""), ("quiz_type", "practice_quiz"),
                       ("points_possible", f"{len(chapter.questions):.1f}"),
                       ("show_correct_answers", "true"), ("allowed_attempts", "-1"),
                       ("one_question_at_a_time", "false"), ("cant_go_back", "false"),
                       ("available", "false")):
        _sub(root, tag, value)
    return root


def manifest_xml(idents: list[str], manifest_id: str) -> ET.Element:
    """``imsmanifest.xml``: one QTI resource (and its Canvas settings) per chapter."""
    root = ET.Element("manifest", {"identifier": manifest_id, "xmlns": CP_NS})
    meta = _sub(root, "metadata")
    _sub(meta, "schema", "IMS Content")
    _sub(meta, "schemaversion", "1.1.3")
    _sub(root, "organizations")
    resources = _sub(root, "resources")
    for ident in idents:
        resource = _sub(resources, "resource", identifier=ident, type="imsqti_xmlv1p2")
        _sub(resource, "file", href=f"{ident}/{ident}.xml")
        _sub(resource, "dependency", identifierref=f"{ident}-meta")
        meta_res = _sub(resources, "resource", identifier=f"{ident}-meta",
                        type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
                        href=f"{ident}/assessment_meta.xml")
        _sub(meta_res, "file", href=f"{ident}/assessment_meta.xml")
    return root


def _bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def chapter_ident(chapter: Chapter) -> str:
    """The stable identifier of a chapter's assessment."""
    return f"course-{chapter.key}"


def qti_zip(chapters: list[Chapter]) -> bytes:
    """The QTI 1.2 package of ``chapters`` as zip bytes (same input, same bytes)."""
    idents = [chapter_ident(c) for c in chapters if c.questions]
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        def write(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)

        write("imsmanifest.xml", _bytes(manifest_xml(idents, "course-selfchecks-qti")))
        for chapter in (c for c in chapters if c.questions):
            ident = chapter_ident(chapter)
            write(f"{ident}/{ident}.xml", _bytes(assessment_xml(chapter, ident)))
            write(f"{ident}/assessment_meta.xml", _bytes(assessment_meta_xml(chapter, ident)))
    return stream.getvalue()
