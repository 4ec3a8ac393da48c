"""What agencies write in the demo's Section 11 self-assessments: evidence by standard, assurance,
and the actions each audit's returns propose.
"""

from __future__ import annotations

# Evidence by standard: (strong, weak). {lead}, {record} etc. come from the agency's voice.
S11_EVIDENCE: dict[str, tuple[str, str]] = {
    "1": (
        "Safeguarding policy reviewed in March; responsibilities are in every job description and "
        "the board receives a quarterly safeguarding report.",
        "Policy in place but overdue for review; responsibilities are not yet in all job "
        "descriptions.",
    ),
    "2": (
        "The executive lead chairs the safeguarding committee and reports to the board twice a "
        "year; the last report led to more protected time for the safeguarding lead.",
        "A senior lead is named but reporting to the board has been annual and brief.",
    ),
    "3": (
        "Young people's panel reviewed our leaflets; {record} audits show the child's voice "
        "recorded in 84% of cases.",
        "Feedback is collected from parents; we have no routine way to hear from children, "
        "including very young or disabled children.",
    ),
    "4": (
        "Whistleblowing and allegations procedures on the intranet; 7 LADO referrals this year, "
        "all within one working day.",
        "Allegations procedure in place but two LADO referrals this year were made late.",
    ),
    "5": (
        "Staff used the NSCP escalation policy 12 times this year; {lead} tracks each one to "
        "resolution.",
        "Staff know the escalation policy exists but escalations are not recorded, so we cannot "
        "say how often it is used.",
    ),
    "6": (
        "Information-sharing guidance refreshed; 96% of MARU requests answered within the agreed "
        "timescale.",
        "Timeliness of responses to strategy discussions is not measured; some staff are unsure "
        "when to share without consent.",
    ),
    "7": (
        "{Lead} has protected time, monthly supervision and leads a duty advice line for staff.",
        "The named lead role is combined with an operational post and advice is not always "
        "available.",
    ),
    "8": (
        "Single central record audited in June: no gaps. Recruiting managers complete safer "
        "recruitment training.",
        "DBS renewals are not tracked centrally; an audit of personnel files is planned.",
    ),
    "9": (
        "Safeguarding supervision every 8 weeks for front-line staff; compliance 91% and quality "
        "checked by dip sample.",
        "Supervision policy in place but compliance is 62% and quality is not checked.",
    ),
    "10": (
        "Level 3 training compliance 94%; 40 staff attended NSCP multi-agency courses this year.",
        "Level 3 compliance is 71%, below the 85% target; uptake of NSCP courses is low.",
    ),
    "11": (
        "All contracts include safeguarding clauses; providers complete an annual Section 11 "
        "return which we check.",
        "Contracts include safeguarding clauses but provider compliance is not monitored.",
    ),
}
S11_ASSURANCE = (
    "Quarterly audit of {record}, reported to the safeguarding committee.",
    "Dip samples by {lead}; findings go into the team learning log.",
    "Staff survey (68% response): 90% know how to get safeguarding advice.",
    "Peer review with a neighbouring partnership in May.",
    "Case file audit of 20 cases in September; actions tracked by the safeguarding committee.",
    "Complaints and compliments reviewed each quarter for safeguarding themes.",
    "",
)

# Actions by audit: what agencies commit to. Owners come from the agency's voice.
ACTIONS: dict[str, tuple[str, ...]] = {
    "domestic-abuse-2026": (
        "Refresh DASH and coercive control training for front-line staff",
        "Audit recording of the child's presence and voice at first contact",
        "Add a prompt to link earlier incidents at the same address",
        "Attend every MARAC where our agency holds information on the child",
        "Introduce supervision prompts on engaging the person causing harm",
    ),
    "section11-2026": (
        "Review and reissue the safeguarding policy with updated job descriptions",
        "Raise Level 3 safeguarding training compliance to 85%",
        "Set up a children and young people's feedback group",
        "Track DBS renewals centrally and audit personnel files",
        "Record and report escalations under the NSCP policy",
    ),
    "teen-pregnancy-2025": (
        "Add the Teen Pregnancy Pathway to induction for new staff",
        "Record the young father's details on every pathway referral",
        "Brief all teams on referring under-16s to the MARU",
        "Agree joint visits with the specialist young parents' nurse",
    ),
    "teen-pregnancy-2026": (
        "Re-audit timeliness of pathway referrals",
        "Extend pathway champions to every locality team",
        "Share young parents' feedback with the pathway steering group",
    ),
}
# Days from today to each action's target date, by audit: last year's audit has actions now overdue.
TARGET_DAYS: dict[str, tuple[int, ...]] = {
    "domestic-abuse-2026": (21, 95, 150, 60),
    "section11-2026": (14, 120, 200, 75),
    "teen-pregnancy-2025": (-75, -20, 18, 90),
    "teen-pregnancy-2026": (60, 130, 45),
}
