"""Validity (时效) detection: pure functions on short texts written for these tests."""

from __future__ import annotations

from datetime import date

from assistant.ingest.validity import (
    EXPIRED,
    IN_FORCE,
    add_years,
    detect_validity,
    is_in_force,
    matches_target,
    repealed_targets,
)

TODAY = date(2026, 6, 1)


def test_effective_date_and_period_of_validity() -> None:
    v = detect_validity("第二十条　本办法自2024年3月1日起施行，有效期5年。", today=TODAY)
    assert (v.status, v.effective, v.expires) == (IN_FORCE, "2024-03-01", "2029-02-28")
    v = detect_validity("本措施自印发之日起施行，有效期至2026年12月31日。", issued="2024-05-20", today=TODAY)
    assert (v.status, v.effective, v.expires) == (IN_FORCE, "2024-05-20", "2026-12-31")
    v = detect_validity("本意见自2019年4月1日起实施，有效期三年。", today=TODAY)
    assert (v.status, v.expires) == (EXPIRED, "2022-03-31")


def test_nothing_said_means_no_status_and_in_force() -> None:
    v = detect_validity("经县（区）卫生健康部门认定为普惠托育机构，认定有效期3年。", today=TODAY)
    assert v.status is None and v.expires is None and v.extra() == {}
    assert is_in_force(None) and is_in_force(IN_FORCE) and not is_in_force("已废止") and not is_in_force("已修订")


def test_repealed_targets_by_title_and_doc_number() -> None:
    text = ("本通知自2025年3月1日起施行。《江州市城市桥梁养护管理暂行规定》（江政办发〔2016〕40号）同时废止。"
            "对不符合本通知的其他规定予以废止。")
    targets = repealed_targets(text)
    assert targets == ("江州市城市桥梁养护管理暂行规定", "江政办发〔2016〕40号")
    assert matches_target(targets, "另一个标题", "江政办发〔2016〕40号")
    assert matches_target(targets, "江州市城市桥梁养护管理暂行规定", None)
    assert not matches_target(targets, "江州市城市桥梁养护管理办法", "江政办发〔2016〕41号")
    assert not matches_target(targets, "江州市城市桥梁养护管理暂行规定", "江政办发〔2024〕3号")  # re-issued, new 文号
    assert detect_validity(text, today=TODAY).extra()["repeals"] == list(targets)


def test_add_years_handles_leap_days() -> None:
    assert add_years("2024-02-29", 1) == "2025-02-27"
    assert add_years("2023-06-01", 5) == "2028-05-31"
