"""BPMN 2.0 export of process maps: valid against the OMG XSD, complete, escaped, laid out."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from research_kit.process.bpmn import BPMN, BPMNDI, process_map_bpmn, save_bpmn
from research_kit.process.spec import parse_process_map, read_process_map

SAMPLE_MAP = Path(__file__).resolve().parent.parent / "interview_data/process/permit_process.yml"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    """The OMG BPMN 2.0 XSD (BPMN20 + Semantic + BPMNDI + DC + DI), as SpiffWorkflow ships it."""
    import SpiffWorkflow

    folder = Path(SpiffWorkflow.__file__).parent / "bpmn" / "parser" / "schema"
    return etree.XMLSchema(etree.parse(str(folder / "BPMN20.xsd")))


def _parse(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode("utf-8"))


def test_bundled_map_is_valid_bpmn(schema: etree.XMLSchema) -> None:
    document = _parse(process_map_bpmn(read_process_map(SAMPLE_MAP)))
    assert schema.validate(document), schema.error_log


def test_the_schema_refuses_a_broken_document(schema: etree.XMLSchema) -> None:
    document = _parse(process_map_bpmn(read_process_map(SAMPLE_MAP)))
    flow = document.find(".//bpmn:sequenceFlow", NS)
    del flow.attrib["targetRef"]
    assert not schema.validate(document)


def test_element_counts_match_the_map() -> None:
    spec = read_process_map(SAMPLE_MAP)
    document = _parse(process_map_bpmn(spec))
    kinds = Counter(step.kind for step in spec.steps)
    outgoing = Counter(flow.source for flow in spec.flows)
    splits = sum(1 for step in spec.steps if step.kind != "decision" and outgoing[step.id] > 1)

    def count(tag: str) -> int:
        return len(document.findall(f".//bpmn:{tag}", NS))

    assert count("task") == kinds["task"]
    assert count("startEvent") == kinds["start"]
    assert count("endEvent") == kinds["end"]
    assert count("intermediateThrowEvent") == kinds["wait"]
    assert count("exclusiveGateway") == kinds["decision"] + splits
    assert count("sequenceFlow") == len(spec.flows) + splits
    assert count("lane") == len(spec.lanes)
    refs = [ref.text for ref in document.findall(".//bpmn:flowNodeRef", NS)]
    assert len(refs) == len(set(refs)) == len(spec.steps) + splits


def test_every_element_is_drawn_and_every_flow_routed() -> None:
    document = _parse(process_map_bpmn(read_process_map(SAMPLE_MAP)))
    process = document.find("bpmn:process", NS)
    nodes = {
        element.get("id")
        for element in process
        if element.tag.split("}")[1] not in ("laneSet", "sequenceFlow")
    }
    lanes = {lane.get("id") for lane in document.findall(".//bpmn:lane", NS)}
    shapes = {
        shape.get("bpmnElement"): shape for shape in document.findall(".//bpmndi:BPMNShape", NS)
    }
    assert nodes | lanes | {"Participant_1"} == set(shapes)
    for shape in shapes.values():
        bounds = shape.find("{http://www.omg.org/spec/DD/20100524/DC}Bounds")
        assert float(bounds.get("width")) > 0 and float(bounds.get("height")) > 0
    flows = {flow.get("id") for flow in process.findall("bpmn:sequenceFlow", NS)}
    edges = document.findall(".//bpmndi:BPMNEdge", NS)
    assert {edge.get("bpmnElement") for edge in edges} == flows
    assert all(len(edge) >= 2 for edge in edges)


def test_ids_are_xml_safe_and_names_escaped(tmp_path: Path, schema: etree.XMLSchema) -> None:
    spec = parse_process_map(
        "name: 'Permits <draft> & \"more\"'\n"
        "lanes: [{id: 'front desk', label: 'Front & back <desk>'}]\n"
        "steps:\n"
        "  - {id: '1 start', label: 'Start', lane: 'front desk', kind: start}\n"
        "  - {id: 'check/ok?', label: 'Check <papers> & \"fees\"', lane: 'front desk'}\n"
        "  - {id: 'check ok', label: 'Check again', lane: 'front desk'}\n"
        "  - {id: 'done!', label: 'Done', lane: 'front desk', kind: end}\n"
        "flows:\n"
        "  - {from: '1 start', to: 'check/ok?'}\n"
        "  - {from: 'check/ok?', to: 'check ok', label: 'a < b'}\n"
        "  - {from: 'check ok', to: 'done!'}\n"
    )
    path = save_bpmn(spec, tmp_path / "odd.bpmn")
    document = etree.parse(str(path)).getroot()
    assert schema.validate(document), schema.error_log
    tasks = document.findall(".//bpmn:task", NS)
    assert [task.get("name") for task in tasks] == ['Check <papers> & "fees"', "Check again"]
    assert len({task.get("id") for task in tasks}) == 2  # 'check/ok?' and 'check ok' both clean up
    participant = document.find(".//bpmn:participant", NS)
    assert participant.get("name") == 'Permits <draft> & "more"'
    flow = document.find(".//bpmn:sequenceFlow[@name]", NS)
    assert flow.get("name") == "a < b"


def test_alternatives_out_of_a_task_leave_through_an_exclusive_gateway() -> None:
    spec = parse_process_map(
        "name: x\nlanes: [{id: a, label: A}]\n"
        "steps: [{id: s, label: S, lane: a, kind: start}, {id: t, label: T, lane: a},"
        "        {id: e1, label: E1, lane: a, kind: end},"
        "        {id: e2, label: E2, lane: a, kind: end}]\n"
        "flows: [{from: s, to: t}, {from: t, to: e1}, {from: t, to: e2, label: gives up}]\n"
    )
    document = _parse(process_map_bpmn(spec))
    gateway = document.find(".//bpmn:exclusiveGateway", NS)
    task = document.find(".//bpmn:task", NS)
    assert len(task.findall("bpmn:outgoing", NS)) == 1
    assert len(gateway.findall("bpmn:outgoing", NS)) == 2
    sources = {
        f.get("targetRef"): f.get("sourceRef") for f in document.iter(f"{{{BPMN}}}sequenceFlow")
    }
    assert sources["Event_e1"] == sources["Event_e2"] == gateway.get("id")


def test_map_command_writes_bpmn(sample_study_path: Path, tmp_path: Path, schema) -> None:
    from research_kit.cli import main

    output = tmp_path / "permit.bpmn"
    assert main(["map", "--study", str(sample_study_path), "-o", str(output)]) == 0
    assert schema.validate(etree.parse(str(output)))
