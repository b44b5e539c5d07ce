"""Old spellings kept for one release: each call through one warns and names the new spelling.

research_kit speaks one vocabulary (see the glossary in DESIGN.md): ``min_cell_size`` for the
privacy threshold, ``confidence`` for the level of an interval, ``by`` for the grouping of a
breakdown, ``(study, question, *, survey_id=None, …)`` for every survey function, and public
names equal to the functions' own ``__name__``. The decorators here keep the words and argument
orders used before working for one release, with a :class:`DeprecationWarning` that says what
to write instead.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["deprecated_alias", "deprecated_call", "renamed_keywords", "survey_order"]


def renamed_keywords(**old_to_new: str) -> Callable[[F], F]:
    """Accept each old keyword for its new name, with a warning naming the new spelling.

    Parameters
    ----------
    **old_to_new : str
        The old keyword, and the name of the parameter that replaces it.

    Returns
    -------
    callable
        A decorator. Passing both the old and the new keyword is a :class:`TypeError`.

    Examples
    --------
    >>> import warnings
    >>> @renamed_keywords(level="confidence")
    ... def interval(*, confidence=0.95):
    ...     return confidence
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     interval(level=0.9)
    0.9
    >>> str(caught[0].message)
    'interval(level=...) is deprecated: write interval(confidence=...)'
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise TypeError(
                        f"{func.__name__}() got both {old}= and {new}=; keep only {new}="
                    )
                warnings.warn(
                    f"{func.__name__}({old}=...) is deprecated: write {func.__name__}({new}=...)",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def deprecated_call(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that the spelling ``old`` is deprecated and ``new`` replaces it.

    For old spellings a decorator cannot recognise, such as a keyword whose values moved to
    functions of their own. The default ``stacklevel`` points at the caller of the function
    that calls this.

    Parameters
    ----------
    old : str
        The call as it was written, e.g. ``"codebook_table(fmt='html')"``.
    new : str
        What to write instead, e.g. ``"codebook_html()"``.
    stacklevel : int
        Passed to :func:`warnings.warn`.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     deprecated_call("table(fmt='html')", "table_html()")
    >>> str(caught[0].message)
    "table(fmt='html') is deprecated: write table_html()"
    """
    warnings.warn(f"{old} is deprecated: write {new}", DeprecationWarning, stacklevel=stacklevel)


def deprecated_alias(func: F, old_name: str) -> F:
    """A function named ``old_name`` that warns, then calls ``func``.

    Parameters
    ----------
    func : callable
        The function under its real name.
    old_name : str
        The name it was also published under.

    Returns
    -------
    callable
        A wrapper whose ``__name__`` is ``old_name`` and whose ``__deprecated_alias_of__`` is
        ``func``.

    Examples
    --------
    >>> import warnings
    >>> def coder_agreement():
    ...     return "kappa"
    >>> agreement = deprecated_alias(coder_agreement, "agreement")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     agreement()
    'kappa'
    >>> str(caught[0].message)
    'agreement() is deprecated: use coder_agreement()'
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(
            f"{old_name}() is deprecated: use {func.__name__}()",
            DeprecationWarning,
            stacklevel=2,
        )
        return func(*args, **kwargs)

    wrapper.__name__ = old_name
    wrapper.__qualname__ = old_name
    wrapper.__doc__ = f"Deprecated name of :func:`{func.__module__}.{func.__name__}`."
    wrapper.__deprecated_alias_of__ = func  # type: ignore[attr-defined]
    del wrapper.__wrapped__  # doctest would otherwise run func's examples twice
    return wrapper  # type: ignore[return-value]


def survey_order(func: F | None = None, *, old_position: int = 1) -> F | Callable[[F], F]:
    """Keep calls in a survey function's old argument order working, with a warning.

    Survey functions take ``(study, question, …, *, survey_id=None)``. Before, some took the
    survey id positionally: second (``(study, survey_id, question, …)``, ``old_position=1``)
    or after the question (``old_position=2``). An old call is recognised only when it cannot be
    a new one: more positional arguments than the new order takes; a second argument of None
    (never a question); or a second argument naming one of the study's surveys followed by a
    text where the new order takes no text.

    Parameters
    ----------
    func : callable
        The survey function, written in the new order.
    old_position : int
        Where ``survey_id`` stood among the positional arguments before.

    Returns
    -------
    callable
        The function, accepting the old order too.

    Examples
    --------
    >>> import warnings
    >>> @survey_order
    ... def undo(study, question, *, survey_id=None):
    ...     return question, survey_id
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     undo("study", "permits", "q1")
    ('q1', 'permits')
    >>> str(caught[0].message)
    'undo(study, survey_id, question, ...) is deprecated: write undo(study, question, ..., survey_id=...)'
    """  # noqa: E501

    def decorate(inner: F) -> F:
        parameters = list(inspect.signature(inner).parameters.values())
        positional = [
            p
            for p in parameters
            if p.kind
            in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        ]
        after_question = positional[2] if len(positional) > 2 else None
        takes_text = after_question is None or "str" in str(after_question.annotation)
        old = (
            "(study, survey_id, question, ...)"
            if old_position == 1
            else "(study, question, survey_id, ...)"
        )

        def is_old(args: tuple) -> bool:
            if len(args) <= old_position:
                return False
            if len(args) > len(positional):
                return True
            if old_position != 1 or len(args) < 3:
                return False
            if args[1] is None:
                return True
            return (
                isinstance(args[1], str)
                and args[1] in _survey_ids(args[0])
                and isinstance(args[2], str)
                and not takes_text
            )

        @functools.wraps(inner)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if is_old(args):
                if "survey_id" in kwargs:
                    raise TypeError(f"{inner.__name__}() got survey_id twice")
                warnings.warn(
                    f"{inner.__name__}{old} is deprecated: write "
                    f"{inner.__name__}(study, question, ..., survey_id=...)",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs["survey_id"] = args[old_position]
                args = args[:old_position] + args[old_position + 1 :]
            return inner(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate(func) if func is not None else decorate


def _survey_ids(study: object) -> set[str]:
    settings = getattr(study, "settings", None)
    return {source.id for source in getattr(settings, "surveys", ())}
