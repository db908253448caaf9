// The TypeScript shape a MessageSpec gives a message at the versions we implement, computed from the spec
// at the type level. defineApi requires each API's hand-written request/response interfaces (which keep
// their documentation and names for editors) to be exactly this shape, so an interface field that is
// missing, misnamed, of the wrong type or nullability, or wrongly optional does not compile.
//
// The rules, for versions [Min, Max] (narrowed to a struct field's own versions inside that struct):
// - a field exists if its versions overlap [Min, Max]; its property is its name with the first letter
//   lower-cased;
// - it is optional if some version in [Min, Max] lacks it, if the spec gives it a default, or if it is
//   tagged (the codec writes the spec default for an absent field, so these are the ones a caller may
//   leave out; the others carry meaning at every version and have to be given);
// - it may be null if its nullableVersions overlap [Min, Max];
// - int8/int16/uint16/int32/float64 are number, int64 bigint, bool boolean, string and uuid string,
//   bytes and records Uint8Array, `[]T` an array, any other type a struct of its `fields`.

import type { FieldSpec, MessageSpec } from './schema.js';

// --- version arithmetic on literal types (Kafka's versions stay far below the tuple-length limits) ----

type Tuple<N extends number, T extends 0[] = []> = T['length'] extends N ? T : Tuple<N, [...T, 0]>;
/** A version range's upper end: a number, or `open` for `N+`. */
type Hi = number | 'open';
type Lte<A extends number, B extends Hi> = B extends number
  ? Tuple<B> extends [...Tuple<A>, ...0[]]
    ? true
    : false
  : true;
type MaxOf<A extends number, B extends number> = Lte<A, B> extends true ? B : A;
type MinOf<A extends number, B extends Hi> = B extends number ? (Lte<A, B> extends true ? A : B) : A;

/** A non-empty version range (`3+`, `0-12`, `8`) as [lo, hi]. */
type Range<S extends string> = S extends `${infer Lo extends number}+`
  ? [Lo, 'open']
  : S extends `${infer Lo extends number}-${infer H extends number}`
    ? [Lo, H]
    : S extends `${infer Lo extends number}`
      ? [Lo, Lo]
      : never;

/** With `S` as [Lo, H]: whether Lo <= A and B <= H (`none`, the empty range: never). */
type Spans<S extends string, A extends number, B extends number> = S extends 'none'
  ? false
  : Range<S> extends [infer Lo extends number, infer H extends Hi]
    ? Lte<Lo, A> extends true
      ? Lte<B, H>
      : false
    : false;

/** Whether the version range `S` shares a version with [Min, Max]. */
type Overlaps<S extends string, Min extends number, Max extends number> = Spans<S, Max, Min>;

/** Whether the version range `S` holds every version of [Min, Max]. */
type Covers<S extends string, Min extends number, Max extends number> = Spans<S, Min, Max>;

// --- fields -------------------------------------------------------------------------------------------

type Primitive<T extends string> = T extends 'int8' | 'int16' | 'uint16' | 'int32' | 'float64'
  ? number
  : T extends 'int64'
    ? bigint
    : T extends 'bool'
      ? boolean
      : T extends 'string' | 'uuid'
        ? string
        : T extends 'bytes' | 'records'
          ? Uint8Array
          : never;

/** A struct field's own versions intersected with [Min, Max]. */
type Narrow<F extends FieldSpec, Min extends number, Max extends number> =
  Range<F['versions']> extends [infer Lo extends number, infer H extends Hi]
    ? [MaxOf<Lo, Min>, MinOf<Max, H>]
    : never;

type Struct<F extends FieldSpec, Min extends number, Max extends number> = F extends {
  fields: infer Members extends readonly FieldSpec[];
}
  ? Narrow<F, Min, Max> extends [infer Lo extends number, infer H extends number]
    ? Shape<Members, Lo, H>
    : never
  : never;

type Value<F extends FieldSpec, Min extends number, Max extends number> = F['type'] extends `[]${infer E}`
  ? (E extends PrimitiveName ? Primitive<E> : Struct<F, Min, Max>)[]
  : F['type'] extends PrimitiveName
    ? Primitive<F['type']>
    : Struct<F, Min, Max>;

type PrimitiveName =
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'int64'
  | 'float64'
  | 'bool'
  | 'string'
  | 'uuid'
  | 'bytes'
  | 'records';

type Nullable<F extends FieldSpec, Min extends number, Max extends number> = F extends {
  nullableVersions: infer N extends string;
}
  ? Overlaps<N, Min, Max> extends true
    ? null
    : never
  : never;

type IsOptional<F extends FieldSpec, Min extends number, Max extends number> = F extends
  | { default: unknown }
  | { taggedVersions: string }
  ? true
  : Covers<F['versions'], Min, Max> extends true
    ? false
    : true;

type Present<
  Fields extends readonly FieldSpec[],
  Min extends number,
  Max extends number,
> = Fields[number] extends infer F
  ? F extends FieldSpec
    ? Overlaps<F['versions'], Min, Max> extends true
      ? F
      : never
    : never
  : never;

type FieldType<F extends FieldSpec, Min extends number, Max extends number> =
  | Value<F, Min, Max>
  | Nullable<F, Min, Max>;

type Flatten<T> = { [K in keyof T]: T[K] };

/** The object a list of field specs describes at versions [Min, Max]. */
export type Shape<Fields extends readonly FieldSpec[], Min extends number, Max extends number> = Flatten<
  {
    [F in Present<Fields, Min, Max> as IsOptional<F, Min, Max> extends true
      ? never
      : Uncapitalize<F['name']>]: FieldType<F, Min, Max>;
  } & {
    [F in Present<Fields, Min, Max> as IsOptional<F, Min, Max> extends true
      ? Uncapitalize<F['name']>
      : never]?: FieldType<F, Min, Max>;
  }
>;

/** The shape of a whole message at versions [Min, Max]. */
export type MessageShape<Spec extends MessageSpec, Min extends number, Max extends number> = Shape<
  Spec['fields'],
  Min,
  Max
>;

// --- exactness ----------------------------------------------------------------------------------------

/** True when A and B are the same type (optionality and nullability included), else false. */
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** The properties whose presence, optionality or type differ between A and B (nested differences name
 * the top-level property that holds them). */
export type DifferingProperties<A, B> = {
  [K in keyof A | keyof B]-?: K extends keyof A
    ? K extends keyof B
      ? Equals<Pick<A, K>, Pick<B, K>> extends true
        ? never
        : K
      : K
    : K;
}[keyof A | keyof B];

/**
 * `unknown` when T is exactly the shape Spec gives at versions [Min, Max]. Otherwise an object type with one
 * property that names the properties to fix; defineApi intersects its argument with this, so the mismatch
 * is a compile error there ("Property 'ProduceRequest: interface differs from the spec in' is missing ...").
 */
export type ConformsTo<T, Spec extends MessageSpec, Min extends number, Max extends number> = number extends
  | Min
  | Max
  ? {
      // TypeScript infers the literals only when no function in the definition has untyped parameters.
      'minVersion and maxVersion must be number literals, and functions in the definition need typed parameters': never;
    }
  : Equals<T, MessageShape<Spec, Min, Max>> extends true
    ? unknown
    : {
        [K in `${Spec['name']}: interface differs from the spec in`]: DifferingProperties<
          T,
          MessageShape<Spec, Min, Max>
        >;
      };
