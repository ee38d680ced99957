"""Spark MLlib: a fitted ``pyspark.ml.regression.LinearRegressionModel``.

Recognised by module name only (``pyspark.*``), so that neither reading nor refusing an object
starts a JVM or imports pyspark: such an object exists only once pyspark is loaded.

What the model's coefficients solve depends on its parameters: with ``regParam = 0`` ordinary
(or, with ``weightCol``, weighted) least squares. With ``regParam = λ``, ``elasticNetParam = 0``,
``standardization=False`` and ``solver="normal"``, Spark standardises the label (as R's glmnet
does) and its answer is the dataset's ridge problem with ``alpha = λ·Σw/σ_y`` — ``λ·n/σ_y``
without weights — where ``σ_y`` is the (weighted) population standard deviation of the label
(measured: agreement to 6e-15; tests/unit/test_spark_fits.py checks it at rtol 1e-7). With
``standardization=True`` (Spark's default) the penalty is on the standardised coefficients and with
``elasticNetParam > 0`` it has an L1 part; neither is a ridge problem of the data as given. Such
models are read (the coefficients are what they are), and the source names their parameters so
that a mismatch with the dataset's problem is visible in a failure message.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._coefficients import Coefficients, make_coefficients

__all__ = ["SparkAdapter"]

#: Spark's solvers: "normal" solves the normal equations (WeightedLeastSquares), "l-bfgs"
#: iterates, "auto" picks "normal" for up to 4096 features.
_KINDS = {"normal": "direct", "l-bfgs": "iterative"}


def _param(model: Any, getter: str, default: Any) -> Any:
    method = getattr(model, getter, None)
    try:
        return method() if callable(method) else default
    except Exception:  # a parameter the model does not hold (older Spark), or py4j errors
        return default


class SparkAdapter:
    """``LinearRegressionModel``: ``coefficients`` (a ``DenseVector``) and ``intercept``.

    The intercept is ``None`` when the model was fitted with ``fitIntercept=False``. Spark
    computes in float64. Refused, with what was found: other Spark models (a
    ``PipelineModel``: pass its last stage, ``model.stages[-1]``; ``GeneralizedLinearRegression``
    with a non-identity link, which is not linear in the mean).
    """

    name = "spark"

    def matches(self, obj: Any) -> bool:
        return type(obj).__module__.split(".")[0] == "pyspark"

    def extract(self, obj: Any) -> Coefficients:
        name = type(obj).__name__
        source = f"spark:{name}"
        if name == "PipelineModel":
            raise TypeError(
                f"{source}: a pipeline may transform the features before its regression; "
                "pass the fitted LinearRegressionModel (model.stages[-1]) and the data as that "
                "stage sees them"
            )
        if name == "GeneralizedLinearRegressionModel":
            link = _param(obj, "getLink", None) or "identity"
            if link != "identity" or _param(obj, "getFamily", "gaussian") != "gaussian":
                raise TypeError(
                    f"{source}: family {_param(obj, 'getFamily', '?')} with link {link} is not "
                    "a linear regression"
                )
        elif name != "LinearRegressionModel":
            raise TypeError(
                f"{source} is not a linear regression model (expected a fitted "
                "pyspark.ml.regression.LinearRegressionModel)"
            )
        coef = np.asarray(obj.coefficients.toArray(), dtype=np.float64)
        fit_intercept = bool(_param(obj, "getFitIntercept", True))
        reg = float(_param(obj, "getRegParam", 0.0) or 0.0)
        if reg:
            source += (
                f" (regParam={reg:g}, elasticNetParam="
                f"{float(_param(obj, 'getElasticNetParam', 0.0)):g}, "
                f"standardization={_param(obj, 'getStandardization', True)})"
            )
        kind = _KINDS.get(str(_param(obj, "getSolver", "auto")), "unknown")
        return make_coefficients(coef, float(obj.intercept) if fit_intercept else None, source,
                                 kind=kind)
