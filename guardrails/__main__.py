from guardrails.cli import app

app(prog_name="python -m guardrails")
