"""What a source sentence is (problem, done, committed, under study, request), whether a request restates a
reported measure, subject words, and the departments a suggestion implies: pure functions."""

from __future__ import annotations

from assistant.drafting.departments import co_handlers, implied_departments, short_name
from assistant.drafting.draft import covers_subject, full_sentence, has_actor, subject_terms, with_actor
from assistant.drafting.sentence_roles import (DONE, PENDING, PLANNED, PROBLEM, PROVISION, REQUEST, attribute_fieldwork,
                                      classify, document_sentences, is_fieldwork, restates)

REPLY = """江州市某局关于对某提案的答复
经商市财政局、江州市住房公积金管理中心，现答复如下：
二、对提案所提建议的办理情况
（一）关于提高财政补助标准。自2024年7月1日起，市级财政补助标准由每台15万元提高至每台18万元。
（四）关于开发专项信贷产品。目前江州农商银行、江州银行已推出"加梯贷"产品，贷款期限最长10年。关于财政贴息，因涉及资金较大，我们将会同市财政局进一步研究。
（五）关于探索代建代运营模式。东湖区已在3个小区试点由电梯企业投资建设、居民按月付费使用的模式。
三、下一步工作
一是将加装电梯与老旧小区改造统筹推进，对具备条件的小区实行"成片加装"，降低单台造价。
"""


def test_reply_sentences_are_done_committed_or_under_study():
    roled = document_sentences(REPLY, "reply")

    def role(start: str) -> str:
        return next(r.role for r in roled if r.text.startswith(start))

    assert role("自2024年7月1日起") == DONE  # under 「关于…」 of 办理情况: done, even without 已
    assert role("目前江州农商银行") == DONE
    assert role("关于财政贴息") == PENDING
    assert role("一是将加装电梯") == PLANNED
    assert classify("第八条 加装电梯应当经本单元业主表决同意。", "policy") == PROVISION
    assert classify("一是简化专项维修资金使用程序。", "proposal", "二、具体建议") == REQUEST
    assert classify("资金筹措难是制约加装的首要因素。", "proposal", "一、情况分析") == PROBLEM


def test_a_request_that_a_reply_reports_as_done_is_recognised():
    measures = [r.text for r in document_sentences(REPLY, "reply") if r.role in (DONE, PLANNED)]
    topic = "推进老旧小区加装电梯"
    assert restates("由市住房城乡建设局引导本地银行推出加装电梯专项贷款产品，贷款期限不少于10年。", measures, topic)
    assert restates("将加装电梯与老旧小区改造统筹推进，对具备条件的小区实行成片加装。", measures, topic)
    units = ["（五）关于探索代建代运营模式。东湖区已在3个小区试点由电梯企业投资建设、居民按月付费使用的模式。"]
    assert restates("五是探索\"代建代运营\"模式。鼓励电梯企业以\"租赁+运维\"方式投资建设。", units, topic)
    assert not restates("在设计审查环节把采光、噪声影响分析作为必备材料。", measures + units, topic)
    assert not restates("建立加装电梯共享服务平台，公开电梯企业报价和服务评价。", measures + units, topic)


def test_other_members_fieldwork_is_attributed():
    sentence = "笔者在东湖区、青山区走访12个老旧小区发现，部分单元因低层住户反对而搁置。"
    assert is_fieldwork(sentence) and not is_fieldwork("全市累计完成加装电梯1218台。")
    assert attribute_fieldwork(sentence, "proposal") == "据以往提案反映，提案人在东湖区、青山区走访12个老旧小区发现，部分单元因低层住户反对而搁置。"


def test_subject_words_decide_what_is_on_the_topic():
    assert subject_terms("推进老旧小区加装电梯") == ["老旧小区", "加装电梯"]
    assert subject_terms("破解老城区停车难") == ["老城区", "停车"]
    # what the proposal wants done to the subject ("扩容提质") is no subject word: 普惠托育 documents are on the topic
    assert subject_terms("推动普惠托育服务扩容提质") == ["普惠托育"]
    assert covers_subject(subject_terms("推动普惠托育服务扩容提质"), "江州市支持普惠托育服务发展的若干措施")
    terms = subject_terms("推进老旧小区加装电梯")
    assert covers_subject(terms, "江州市既有住宅加装电梯管理办法")  # the head word alone
    assert not covers_subject(terms, "老旧小区新能源汽车充电桩建设")
    assert covers_subject(["老城区", "停车"], "临江老城片区停车难问题")  # 老城区 ≈ 老城片区
    assert not covers_subject(["低空", "经济"], "发展夜间经济", unseen=frozenset({"低空"}))


def test_suggestions_are_full_sentences_with_an_actor():
    assert full_sentence("明确补偿参考标准；") == "明确补偿参考标准。"
    assert has_actor("由市住房城乡建设局会同市司法局制定协商指引。") and not has_actor("将加装电梯纳入老旧小区改造。")
    assert with_actor("将加装电梯纳入老旧小区改造。", "市住房和城乡建设局") == "由市住房和城乡建设局牵头，将加装电梯纳入老旧小区改造。"


def test_departments_plain_names_consulted_and_implied():
    assert co_handlers(REPLY) == ["市财政局", "江州市住房公积金管理中心"]
    assert co_handlers("本提案由我局主办，市司法局、市自然资源和规划局会办。现答复如下：") == ["市司法局", "市自然资源和规划局"]
    assert short_name("江州市住房和城乡建设局") == "市住房和城乡建设局"
    assert implied_departments(["提高财政补助标准", "放宽住房公积金提取"]) == ["市财政局", "市住房公积金管理中心"]
