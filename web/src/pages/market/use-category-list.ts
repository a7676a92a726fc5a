import { useEffect, useState } from 'preact/hooks';
import { toastError } from '../../lib/toast';
import { flatten, loadCategories, type FlatCategory } from './categories';

/** Every category, flattened for a <select>; null while loading. */
export function useCategoryList(): FlatCategory[] | null {
  const [list, setList] = useState<FlatCategory[] | null>(null);
  useEffect(() => {
    loadCategories().then(
      (tree) => setList(flatten(tree)),
      (e) => {
        toastError(e);
        setList([]);
      },
    );
  }, []);
  return list;
}
