"""Read and noted: the officer confirms they have read the letter. The plainest kind."""

from services.kinds.base import Answer, Kind, State, Words

KIND = Kind(
    name="read",
    choice="They have read and noted the letter",
    confirms="they have read and noted the letter",
    asks=lambda by: f"to acknowledge receipt{by}",
    answers=(
        Answer(
            "noted",
            Words(
                "I have read the letter and noted it for necessary action",
                "मैंने पत्र पढ़ लिया है और आवश्यक कार्रवाई हेतु नोट कर लिया है",
            ),
        ),
    ),
    states=(State("noted", "Noted", compliant=True),),
)
