/**
 * Autoregressive models AR(p): x_t - mu = sum_i phi_i (x_{t-i} - mu) + a_t, Var(a_t) = sigma2.
 * Fitted by Yule-Walker (sample autocovariances solved by Levinson-Durbin, always stationary)
 * or by conditional least squares (normal equations by Cholesky). Forecast error variance at
 * horizon h is sigma2 * sum_{j<h} psi_j^2, from the model's psi-weights (its MA(inf) form).
 */

export interface ArModel {
  p: number;
  mean: number;
  /** phi[0] multiplies x_{t-1}. */
  phi: Float64Array<ArrayBufferLike>;
  /** Innovation variance. */
  sigma2: number;
}

/** Sample mean of x[from, to). */
export function mean(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i];
  return to > from ? s / (to - from) : NaN;
}

/** Biased sample autocovariances gamma[0..p] of x[from, to) about m (the Yule-Walker convention). */
export function autocovariance(x: ArrayLike<number>, p: number, m: number, from = 0, to = x.length, out: Float64Array<ArrayBufferLike> = new Float64Array(p + 1)): Float64Array<ArrayBufferLike> {
  const n = to - from;
  // Centre once: the lag products then cost one multiply-add each.
  const c = centred.length >= n ? centred : (centred = new Float64Array(n));
  for (let i = 0; i < n; i++) c[i] = x[from + i] - m;
  for (let k = 0; k <= p; k++) {
    let s = 0;
    for (let t = k; t < n; t++) s += c[t] * c[t - k];
    out[k] = s / n;
  }
  return out;
}

let centred = new Float64Array(0);

/**
 * Levinson-Durbin: solves the Toeplitz Yule-Walker equations for phi from gamma[0..p] in
 * O(p^2); returns the final prediction error variance. A series with no variance gives
 * phi = 0 and sigma2 = 0.
 */
export function levinsonDurbin(gamma: ArrayLike<number>, p: number, phi: Float64Array<ArrayBufferLike> = new Float64Array(p)): { phi: Float64Array<ArrayBufferLike>; sigma2: number } {
  phi.fill(0);
  let v = gamma[0];
  if (!(v > 0)) return { phi, sigma2: 0 };
  const prev = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    let acc = gamma[k + 1];
    for (let j = 0; j < k; j++) acc -= phi[j] * gamma[k - j];
    const r = acc / v;
    prev.set(phi.subarray(0, k));
    phi[k] = r;
    for (let j = 0; j < k; j++) phi[j] = prev[j] - r * prev[k - 1 - j];
    v *= 1 - r * r;
    if (!(v > 0)) {
      v = 0;
      break;
    }
  }
  return { phi, sigma2: v };
}

export function yuleWalker(x: ArrayLike<number>, p: number, from = 0, to = x.length): ArModel {
  if (to - from <= p) throw new RangeError(`AR(${p}) needs more than ${p} samples, got ${to - from}`);
  const m = mean(x, from, to);
  const { phi, sigma2 } = levinsonDurbin(autocovariance(x, p, m, from, to), p);
  return { p, mean: m, phi, sigma2 };
}

/**
 * Conditional least squares: regresses x_t - m on its p lags for t = p..n-1 (m the sample
 * mean), sigma2 the residual sum of squares over n - 2p. Falls back to Yule-Walker where the
 * normal equations are singular (a constant series).
 */
export function leastSquares(x: ArrayLike<number>, p: number, from = 0, to = x.length): ArModel {
  const n = to - from;
  if (n <= 2 * p) throw new RangeError(`AR(${p}) by least squares needs more than ${2 * p} samples, got ${n}`);
  const m = mean(x, from, to);
  const A = new Float64Array(p * p), b = new Float64Array(p);
  for (let t = from + p; t < to; t++) {
    const y = x[t] - m;
    for (let i = 0; i < p; i++) {
      const xi = x[t - 1 - i] - m;
      b[i] += xi * y;
      for (let j = 0; j <= i; j++) A[i * p + j] += xi * (x[t - 1 - j] - m);
    }
  }
  const phi = cholesky(A, b, p);
  if (!phi) return yuleWalker(x, p, from, to);
  let rss = 0;
  for (let t = from + p; t < to; t++) {
    let e = x[t] - m;
    for (let i = 0; i < p; i++) e -= phi[i] * (x[t - 1 - i] - m);
    rss += e * e;
  }
  return { p, mean: m, phi, sigma2: rss / Math.max(1, n - 2 * p) };
}

/** Solves A x = b for symmetric positive definite A (lower triangle filled); undefined if not. */
function cholesky(A: Float64Array, b: Float64Array, p: number): Float64Array | undefined {
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * p + j];
      for (let k = 0; k < j; k++) s -= L[i * p + k] * L[j * p + k];
      if (i === j) {
        if (!(s > 1e-12 * Math.max(1, A[0]))) return undefined;
        L[i * p + i] = Math.sqrt(s);
      } else L[i * p + j] = s / L[j * p + j];
    }
  }
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * p + k] * y[k];
    y[i] = s / L[i * p + i];
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < p; k++) s -= L[k * p + i] * y[k];
    y[i] = s / L[i * p + i];
  }
  return y;
}

/** psi_0..psi_{h-1}: psi_0 = 1, psi_j = sum_{i=1..min(j,p)} phi_i psi_{j-i}. */
export function psiWeights(model: ArModel, h: number, out: Float64Array<ArrayBufferLike> = new Float64Array(h)): Float64Array<ArrayBufferLike> {
  const { phi, p } = model;
  out[0] = 1;
  for (let j = 1; j < h; j++) {
    let s = 0;
    for (let i = 1; i <= Math.min(j, p); i++) s += phi[i - 1] * out[j - i];
    out[j] = s;
  }
  return out;
}

/** Error variance of the 1..h step forecasts: sigma2 * sum_{j<k} psi_j^2 at horizon k. */
export function forecastVariance(model: ArModel, h: number, out: Float64Array<ArrayBufferLike> = new Float64Array(h)): Float64Array<ArrayBufferLike> {
  const psi = psiWeights(model, h);
  let acc = 0;
  for (let k = 0; k < h; k++) {
    acc += psi[k] * psi[k];
    out[k] = model.sigma2 * acc;
  }
  return out;
}

/**
 * Forecasts 1..h steps ahead from the last p values, which `recent(i)` gives (i = 0 the
 * newest); written into out. Missing history (i beyond what exists) counts as the mean.
 */
export function arForecast(model: ArModel, recent: (i: number) => number, h: number, out: Float64Array<ArrayBufferLike> = new Float64Array(h), scratch: Float64Array<ArrayBufferLike> = new Float64Array(model.p + h)): Float64Array<ArrayBufferLike> {
  const { p, phi, mean: m } = model;
  // scratch[p - 1 - i] holds the centred value i steps back; forecasts append after index p-1.
  for (let i = 0; i < p; i++) scratch[p - 1 - i] = recent(i) - m;
  for (let k = 0; k < h; k++) {
    let s = 0;
    const base = p + k;
    for (let i = 0; i < p; i++) s += phi[i] * scratch[base - 1 - i];
    scratch[base] = s;
    out[k] = s + m;
  }
  return out;
}

/**
 * The part of the mean estimate's error in each 1..h step forecast: the k-step forecast puts
 * weight 1 - c_k on the estimated mean (c_k the sum of its weights on the last p values), and
 * the sample mean of n samples has variance about the long-run variance sigma2 / (1 - sum phi)^2
 * over n. Added to the psi-weight variance, which assumes the model's parameters are exact.
 */
export function meanErrorWeights(model: ArModel, h: number): Float64Array {
  const ones: ArModel = { ...model, mean: 0 };
  const c = arForecast(ones, () => 1, h);
  return Float64Array.from(c, (v) => 1 - v);
}

export function meanVariance(model: ArModel, n: number): number {
  let s = 0;
  for (let i = 0; i < model.p; i++) s += model.phi[i];
  return s < 1 ? model.sigma2 / (1 - s) ** 2 / n : Infinity;
}
