"""LLM backends through llama-index: a local GGUF (`LlamaCPP`) or any OpenAI-compatible server
(`OpenAILike`: Ollama, vLLM, llama.cpp server). Both stream; the prompt is the same German one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.backends.base import AnswerRequest, BackendResult, BackendUnavailableError, BaseBackend
from bot.prompts import condense_prompt, parse_verdict, sufficiency_prompt, system_prompt, user_prompt
from core.settings import Settings

__all__ = ["BackendUnavailableError", "LlamaCppBackend", "OpenAIBackend"]


class _LlamaIndexChat(BaseBackend):
    """Shared streaming over a llama-index LLM (`stream_chat`)."""

    name = "llm"
    translates = True
    llm: Any

    def stream(self, request: AnswerRequest, result: BackendResult) -> Iterator[str]:
        from llama_index.core.llms import ChatMessage, MessageRole

        messages = [
            ChatMessage(role=MessageRole.SYSTEM, content=system_prompt(request)),
            ChatMessage(role=MessageRole.USER, content=user_prompt(request)),
        ]
        for response in self.llm.stream_chat(messages):
            if response.delta:
                yield response.delta

    def sufficient(self, question: str, passages: list[str]) -> bool | None:
        """Does the model find the answer in these passages? None when it gives no clear JA or NEIN."""
        return parse_verdict(str(self.llm.complete(sufficiency_prompt(question, passages))))

    def condense(self, question: str, history: list[tuple[str, str]]) -> str:
        """A follow-up rewritten as a standalone question (llama-index condense step, German prompt)."""
        text = str(self.llm.complete(condense_prompt(question, history))).strip().split("\n")[0]
        return text if 5 <= len(text) <= 400 else question


class LlamaCppBackend(_LlamaIndexChat):
    """A GGUF model in this process via llama-cpp-python; uses the chat template stored in the GGUF."""

    name = "llamacpp"

    def __init__(self, settings: Settings) -> None:
        path = settings.llm_model_path
        if path is None or not path.is_file():
            raise BackendUnavailableError(
                f"GGUF-Modell nicht gefunden: {path} (AUSKUNFT_LLM_MODEL_PATH) / model file not found"
            )
        try:
            from llama_index.llms.llama_cpp import LlamaCPP
        except ImportError as exc:
            raise BackendUnavailableError(
                "llama-cpp-python fehlt: pip install 'auskunft[llm]' / install the 'llm' extra"
            ) from exc
        kwargs: dict[str, Any] = {"n_ctx": settings.llm_context, "verbose": False}
        if settings.llm_threads:
            kwargs["n_threads"] = settings.llm_threads
        self.llm = LlamaCPP(
            model_path=str(path), temperature=settings.llm_temperature, max_new_tokens=settings.llm_max_tokens,
            context_window=settings.llm_context, model_kwargs=kwargs, verbose=False,
            messages_to_prompt=self._messages_to_prompt, completion_to_prompt=lambda text: text,
        )

    def _messages_to_prompt(self, messages: Any) -> str:
        """Format with the model's own chat template (GGUF metadata), else a plain fallback."""
        model = self.llm._model
        template = model.metadata.get("tokenizer.chat_template")
        plain = [{"role": m.role.value, "content": m.content or ""} for m in messages]
        if template:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            def token(key: str) -> str:
                token_id = int(model.metadata.get(key, -1))
                return model.detokenize([token_id]).decode("utf-8", "ignore") if token_id >= 0 else ""

            formatter = Jinja2ChatFormatter(template=template, eos_token=token("tokenizer.ggml.eos_token_id"),
                                            bos_token=token("tokenizer.ggml.bos_token_id"))
            try:
                return formatter(messages=plain).prompt
            except Exception:  # a template that rejects a system turn: fold it into the user turn
                merged = [{"role": "user", "content": "\n\n".join(m["content"] for m in plain)}]
                return formatter(messages=merged).prompt
        return "\n\n".join(f"{m['role'].upper()}: {m['content']}" for m in plain) + "\n\nASSISTANT:"


class OpenAIBackend(_LlamaIndexChat):
    """Any server that speaks the OpenAI chat API; the key comes from AUSKUNFT_OPENAI_API_KEY."""

    name = "openai"

    def __init__(self, settings: Settings) -> None:
        try:
            from llama_index.llms.openai_like import OpenAILike
        except ImportError as exc:
            raise BackendUnavailableError(
                "llama-index-llms-openai-like fehlt: pip install 'auskunft[llm]' / install the 'llm' extra"
            ) from exc
        self.base_url = str(settings.openai_base_url).rstrip("/")
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "kein-schluessel"
        self.llm = OpenAILike(
            model=settings.openai_model, api_base=self.base_url, api_key=key, is_chat_model=True,
            temperature=settings.llm_temperature, max_tokens=settings.llm_max_tokens, timeout=settings.llm_timeout,
            context_window=settings.llm_context, max_retries=1,
        )

    def check(self) -> None:
        """Fail fast when the server does not answer (used at start-up)."""
        import httpx

        try:
            httpx.get(f"{self.base_url}/models", timeout=5).raise_for_status()
        except httpx.HTTPError as exc:
            raise BackendUnavailableError(
                f"Sprachmodell-Server nicht erreichbar: {self.base_url} ({exc}) / LLM server unreachable"
            ) from exc
