"""What practitioners write in the demo's case audits (domestic abuse, teen pregnancy): templates by
question, in a stronger and a weaker version, filled in with the agency's own words (voices.py).
"""

from __future__ import annotations

# Who the case is about, as an auditor would summarise it (no names, no dates of birth).
CHILDREN = (
    "the 4-year-old girl",
    "the 11-year-old boy",
    "the 9-month-old baby",
    "the 14-year-old boy",
    "the 7-year-old girl",
    "the 3-year-old boy",
    "the 6-year-old boy with autism",
    "the 15-year-old girl",
)
YOUNG_PARENTS = (
    "the 16-year-old mother",
    "the 17-year-old in supported lodgings",
    "the 15-year-old in Year 11",
    "the 18-year-old care leaver",
    "the 17-year-old with a 23-year-old partner",
    "the 16-year-old living with her grandmother",
)

GOOD = "good"
WEAK = "weak"

DOMESTIC_ABUSE: dict[str, dict[str, tuple[str, ...]]] = {
    "1.1": {
        GOOD: (
            "The abuse was identified through {contact}. {Who} asked directly about the children, "
            "recorded that {child} was in the next room, and linked two earlier incidents at the "
            "address, so the pattern of coercive control was recognised from the start.",
            "{Contact} prompted a DASH the same day. {Who} checked {record} for earlier incidents "
            "and found a previous address with children; risk to {child} was set out clearly.",
            "Identification was timely. {Who} recognised controlling behaviour (money, phone "
            "checking) rather than treating it as a one-off argument, and recorded {child} by name "
            "and age.",
            "A disclosure was made during {contact} and {who} used routine enquiry well: the "
            "mother was asked when alone, and it was noted that {child} slept next to the room.",
            "Risk was recognised quickly because {who} read the history on {record} before the "
            "visit and saw three earlier reports at the address.",
        ),
        WEAK: (
            "The incident was recorded as a verbal argument after {contact}. {Record} shows {child} "
            "lived at the address, but not whether they were present, and earlier call-outs were "
            "not linked.",
            "Domestic abuse was only identified on the third contact. The first two ({contact}) "
            "noted 'family stress' without enquiry, so the risk to {child} was recognised late.",
            "{Who} identified the abuse but the record focuses on the adult victim; {child} is "
            "mentioned only as 'children in the household'.",
            "No routine enquiry took place at {contact}, although the mother had a bruise that "
            "was recorded. The abuse came to light a month later through another agency.",
        ),
    },
    "2.2": {
        GOOD: (
            "{Who} made {referral} within 24 hours and spoke to {child} about what they had seen. "
            "A referral for specialist children's domestic abuse support was accepted.",
            "The impact on {child} was considered separately from the mother's needs: sleep, "
            "school attendance and behaviour were noted and shared at {meeting}.",
            "{Child} was seen alone and said they felt safer since the father left. {Who} arranged "
            "a same-day notification to the school so staff could offer support.",
            "{Who} asked the school to watch for changes in behaviour and shared the safety plan "
            "with the nursery; {child} was offered a place in a children's recovery group.",
        ),
        WEAK: (
            "The plan concentrated on the adult victim's safety. There is no record of what life "
            "was like for {child}, and no referral for the child's own support.",
            "{Referral} was made, but only after a four-day delay while {who} waited for a "
            "manager's view. {Child} was not spoken to.",
            "The child's needs were assumed to be met by the mother moving to a refuge; no check "
            "was made on the child's school place or health registration after the move.",
            "The child's missed health appointments were not followed up after the incident, and "
            "nobody checked who was now caring for the child after school.",
        ),
    },
    "3.3": {
        GOOD: (
            "{Who} attended {meeting} and shared the full history from {record}. The plan named the "
            "person causing harm and set contact arrangements that kept {child} safe.",
            "Assessment drew on police, probation and health information. Our agency completed "
            "all its actions, including a joint visit with the social worker.",
            "Good multi-agency planning: the MARAC actions were built into the child in need plan "
            "and reviewed at every core group.",
            "Our chronology was shared before {meeting}, and the plan was reviewed when the "
            "father was released from custody.",
        ),
        WEAK: (
            "Our agency was not invited to {meeting} and did not ask to attend, so our information "
            "was not part of the assessment.",
            "A safety plan existed but it addressed the mother only. The risk from the father's "
            "contact with {child} was not covered.",
            "Actions from {meeting} were agreed but not completed by our agency within the "
            "timescale; the record does not explain why.",
        ),
    },
    "4.4": {
        GOOD: (
            "The mother was seen alone and supported to make a safety plan. The father was "
            "challenged about the impact on {child} and referred to a behaviour change programme.",
            "{Who} used a feelings worksheet with {child} and recorded their words. The father was "
            "engaged only once safety checks had been completed.",
            "Engagement was planned around the risk: visits when the father was at work, and a "
            "separate appointment for him with probation.",
            "{Who} kept contact with the mother by text at agreed times. The father was seen in "
            "a separate appointment and agreed to a referral to a perpetrator programme.",
        ),
        WEAK: (
            "Contact was mainly with the mother; the father was not engaged and no reason is "
            "recorded. The child's views were not sought.",
            "The father was present at the home visit and the mother could not speak freely; "
            "no follow-up was arranged to see her alone.",
            "The family declined further support and the case was closed without checking that "
            "{child} was safe.",
        ),
    },
}

DA_AGENCY: dict[str, tuple[str, ...]] = {
    "5.2": (
        "Routine enquiry is now part of every first contact, and staff link earlier incidents "
        "before deciding risk. {Lead} reviews every high-risk case within a week.",
        "Staff are confident completing DASH and referring to MARAC. Our information sharing with "
        "the MARU is prompt, usually the same day.",
        "Practitioners know the families well and recognise changes in presentation quickly. "
        "Attendance at MARAC is consistent.",
    ),
    "5.3": (
        "Recording the child's voice and lived experience, not only the adult victim's account. "
        "Engagement with the person causing harm is inconsistent.",
        "Linking earlier incidents at the same address. Children's names and ages are not always "
        "recorded at first contact.",
        "Follow-through after MARAC: some actions were completed late. Supervision does not yet "
        "check that the child has been seen.",
    ),
}

TEEN_PREGNANCY: dict[str, dict[str, tuple[str, ...]]] = {
    "3.3": {
        GOOD: (
            "{Who} met {parent} at a place she chose and agreed the plan with her: antenatal care, "
            "a college place after the birth and help with housing.",
            "Support was built around what {parent} wanted. She asked for the same midwife "
            "throughout and this was arranged; a Lead Professional coordinated the plan.",
            "{Parent} was treated as a child in her own right: an Early Help assessment looked at "
            "her own safety and education as well as the baby's needs.",
        ),
        WEAK: (
            "Support was offered but not shaped by the young parent's views; appointments clashed with "
            "school and she stopped attending.",
            "{Who} focused on the pregnancy and did not consider whether {parent} was safe at home. "
            "No Lead Professional was identified.",
            "The referral was made but {parent} was not told what the pathway offered, and the "
            "first contact came after she had already booked late.",
        ),
    },
    "4.2": {
        GOOD: (
            "{Parent} stayed in education, attended all antenatal appointments and the baby was "
            "born at term with good early bonding observed by the health visitor.",
            "Stable housing was secured before the birth and {parent} is now attending a young "
            "parents' group. The father is involved and has had his own support.",
        ),
        WEAK: (
            "Limited difference: {parent} booked late, moved twice and missed the young parents' "
            "group. The gap was housing, which the pathway does not yet cover well.",
            "No evidence of impact beyond the referral itself; the record stops after the first "
            "visit and the outcome is not known.",
        ),
    },
}

TP_AGENCY: dict[str, tuple[str, ...]] = {
    "1.2": (
        "Through induction and the annual safeguarding update; {lead} sends a reminder each term.",
        "The pathway is on the intranet and in the referral guidance, but not yet in induction.",
        "Team briefings and a one-page guide in every team office.",
    ),
    "4.3": (
        "A named pathway champion in each team, and recording the young father on every referral.",
        "Joint visits with the specialist young parents' nurse, and an audit of timeliness.",
        "Adding the pathway to induction, and a quick-reference guide for front-line staff.",
    ),
    "5.2": (
        "Referral forms now ask about the young father, and staff have had pathway training.",
        "A named champion in each team, and the pathway is part of induction for new starters.",
        "Monthly joint meetings with the specialist nursing service to review open cases.",
    ),
    "5.3": (
        "Audit of six cases since the training: the father was recorded in five of them.",
        "Young parents' feedback is more positive, and referrals are made earlier in pregnancy.",
        "",
    ),
}
