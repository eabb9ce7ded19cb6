/** Capacity for at least `needed` elements: doubling, so growth costs O(1) amortised per element. */
function nextCapacity(current: number, needed: number): number {
  let capacity = Math.max(current, 16)
  while (capacity < needed) capacity *= 2
  return capacity
}

/** A copy of `array` with room for at least `needed` elements (new ones 0). */
export function growUint32(array: Uint32Array, needed: number): Uint32Array {
  const grown = new Uint32Array(nextCapacity(array.length, needed))
  grown.set(array)
  return grown
}

/** A copy of `array` with room for at least `needed` elements (new ones 0). */
export function growUint8(array: Uint8Array, needed: number): Uint8Array {
  const grown = new Uint8Array(nextCapacity(array.length, needed))
  grown.set(array)
  return grown
}

/** A copy of `array` with room for at least `needed` elements (new ones NaN, "no value"). */
export function growFloat32(array: Float32Array, needed: number): Float32Array {
  const grown = new Float32Array(nextCapacity(array.length, needed)).fill(Number.NaN)
  grown.set(array)
  return grown
}

/** A copy of `array` with room for at least `needed` elements (new ones 0). */
export function growFloat64(array: Float64Array, needed: number): Float64Array {
  const grown = new Float64Array(nextCapacity(array.length, needed))
  grown.set(array)
  return grown
}
