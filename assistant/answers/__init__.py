"""Answers: evidence, specifics, refusal and caveats, citations, the chat model, conversations and feedback."""
