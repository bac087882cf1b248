"""Chinese names of the states, clocks, actions and queues shown on the pages."""

from __future__ import annotations

from shouwang_proto.events import CLOCK_KIND_NAMES

STATUS_NAMES = {
    "awaiting_acceptance": "待受理",
    "accepted": "信息比对中",
    "compared": "待入户核查",
    "visit_done": "已入户核查，信息比对中",
    "visited": "待民主评议",
    "assessed": "待村公示",
    "village_notice": "村级公示中",
    "township_review": "乡镇审定公示中",
    "county_review": "待县级审批",
    "included": "已纳入监测",
    "dismissed": "不予纳入",
    "officer_named": "待制定帮扶计划",
    "planned": "待落实帮扶",
    "helping": "帮扶中",
    "risk_proposed": "已申报风险消除，待乡镇验收",
    "risk_verified": "乡镇验收合格，待县级复核",
    "risk_eliminated": "风险消除",
    "rollback_proposed": "已申报回退，待乡镇核定",
    "rollback_verified": "乡镇核定回退，待县级审批",
}
CLOCK_NAMES = CLOCK_KIND_NAMES
CLOCK_STATES = {
    "running": "进行中",
    "met": "按时完成",
    "met_late": "超时完成",
    "breached": "已超时",
    "paused": "已暂停",
    "overridden": "县级核销",
    "closed": "随案件办结停止",
}
ACTION_NAMES = {
    "accept": "受理",
    "record_comparison": "录入比对结果",
    "record_visit": "入户核查",
    "village_assessment": "民主评议",
    "start_village_notice": "开始村级公示",
    "end_village_notice": "结束村级公示",
    "township_approve": "乡镇审定",
    "county_include": "纳入监测",
    "county_dismiss": "不予纳入",
    "name_officer": "明确帮扶责任人",
    "record_plan": "制定一户一策",
    "start_help": "落实帮扶",
    "propose_risk_elimination": "申报风险消除",
    "township_verify_risk": "乡镇初步验收",
    "county_confirm_risk": "县级复核确认风险消除",
    "return_risk_proposal": "退回继续帮扶",
    "eliminate_risk": "标注风险消除",  # before 2026-12-07, in older trails
    "propose_rollback": "申报风险消除回退",
    "township_verify_rollback": "乡镇核定回退",
    "county_confirm_rollback": "县级审批回退",
    "return_rollback_proposal": "不予回退",
    "rollback": "风险消除回退",  # before 2026-12-07, in older trails
    "opened": "立案",  # the trail's word for it (casework's `opened`)
    "signal_attached": "新增预警",
    "comparison_requested": "信息比对请求",
    "comparison_answered": "比对结果",
    "clock_pause": "暂停时限",
    "clock_resume": "恢复时限",
    "clock_override": "县级调整时限",
}
DELIVERY_STATUS = {
    "pending": "待发送",
    "sent": "已发送",
    "delivered": "已送达",
    "failed": "发送失败",
    "unknown": "状态未知",
    "suppressed": "免打扰暂缓",
}
CHANNEL_NAMES = {
    "sms_aliyun": "短信",
    "sms_tencent": "短信",
    "wecom_app": "企业微信",
    "wecom_robot": "群机器人",
    "log": "系统日志",
}
QUEUES = {
    "": "全部在办",
    "mine": "待我办理",  # the cases in a state where the officer's role has a step to take
    "overdue": "已超时",
    "due_today": "今日到期",
    "due_this_week": "本周到期",
}
