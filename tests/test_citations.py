"""Citation markers: parsing, verification against the sources given, unsupported sentences."""

from assistant.answers.citations import UNSUPPORTED, normalize_markers, parse_markers, renumber, split_sentences, verify


def test_markers_in_every_form_models_write_are_normalized():
    assert normalize_markers("补助18万元【1】，另有［2］和[3, 4]与[5、6]。") == "补助18万元[1]，另有[2]和[3][4]与[5][6]。"


def test_parse_markers_keeps_first_use_order_without_repeats():
    assert parse_markers("甲[2]。乙[1][2]。丙【3】。") == [2, 1, 3]
    assert parse_markers("没有出处。") == []


def test_markers_pointing_at_missing_sources_are_removed():
    checked = verify("补助标准提高至每台18万元[1]。子女的住房公积金可以提取[7]。", source_count=3)
    assert "[7]" not in checked.text
    assert checked.removed == (7,)
    assert checked.cited == (1,)
    # the sentence that lost its only marker now reads as unsupported
    assert checked.text == f"补助标准提高至每台18万元[1]。子女的住房公积金可以提取。{UNSUPPORTED}"


def test_zero_and_out_of_range_markers_are_removed_but_valid_ones_stay():
    checked = verify("一楼住户可以获得补偿，补偿标准由业主协商确定[0][2][4]。", source_count=3)
    assert checked.text.startswith("一楼住户可以获得补偿，补偿标准由业主协商确定[2]")
    assert checked.removed == (0, 4)
    assert checked.unsupported == 0


def test_sentences_without_marker_are_marked_unsupported():
    text = "市级补助由每台15万元提高至18万元[1]。这一标准在全省处于领先水平。"
    checked = verify(text, source_count=2)
    assert checked.unsupported == 1
    assert checked.text == f"市级补助由每台15万元提高至18万元[1]。这一标准在全省处于领先水平。{UNSUPPORTED}"


def test_marker_after_the_full_stop_belongs_to_the_sentence_before():
    checked = verify("加装电梯以单元为单位申请。[1]需经三分之二以上业主参与表决。[2]", source_count=2)
    assert checked.unsupported == 0
    assert checked.cited == (1, 2)


def test_headings_and_short_lead_ins_are_not_claims():
    text = "根据文库资料，情况如下：\n一、补助标准\n市级财政对每台电梯补助18万元[1]。"
    checked = verify(text, source_count=1)
    assert checked.unsupported == 0
    assert checked.text == text


def test_repeated_markers_collapse():
    assert verify("每餐补贴3元[1][1]。", source_count=1).text == "每餐补贴3元[1]。"


def test_split_sentences_round_trips_the_text():
    text = "第一句[1]。第二句！[2]\n第三句？最后一句没有句号"
    parts = split_sentences(text)
    assert "".join(parts) == text
    assert parts[1] == "第二句！[2]"


def test_renumber_maps_and_drops():
    assert renumber("甲[3]乙[1]丙[2]。", {3: 1, 1: 2}) == "甲[1]乙[2]丙。"
